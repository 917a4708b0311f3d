/**
 * EventBridge events → launches AWS refused because the account enforces
 * IMDSv2, PURE, never throws on any input. The breakage signal of the watch
 * after graduation (watch.ts), delivered by the member stack's own rules
 * (rules.ts), apart from the evaluation's rules, which drop failed calls.
 *
 * Three shapes:
 * - a failed `RunInstances` (CloudTrail `errorCode`/`errorMessage`, the
 *   record of any caller, Auto Scaling's own launches included);
 * - a `CreateFleet` of type `instant` (what Auto Scaling uses for mixed
 *   instance groups): the call succeeds and lists the launches it could not
 *   make in `responseElements.CreateFleetResponse.errorSet.item[]`
 *   (`errorCode`, `errorMessage`, `launchTemplateAndOverrides`; EC2 API
 *   reference, CreateFleetError); a failed CreateFleet call counts as well;
 * - Auto Scaling's "EC2 Instance Launch Unsuccessful" event (Auto Scaling
 *   event reference: `AutoScalingGroupName`, `StatusMessage`, `Cause`,
 *   `StartTime`/`EndTime`). Its text for this refusal is not documented:
 *   it is matched on the EC2 message it quotes (refusal.ts).
 *
 * What counts as the enforcement's refusal is refusal.ts's one judgement.
 */
// Leaf modules only: the watch's bundle carries no event catalog (and so no kind's describe calls).
import { actorOf, byAutoScaling } from '../../refs/actor.js';
import { CLOUDTRAIL_DETAIL_TYPE } from '../../refs/detail-types.js';
import { isRecord, own as prop, stringAt, valuesAt } from '../../refs/paths.js';
import type { Scope } from '../../model.js';
import { isEnforcementRefusal } from '../refusal.js';
import type { RefusedLaunch } from './record.js';

/** The launch calls whose failures the watch after graduation reads. */
export const LAUNCH_CALLS = ['RunInstances', 'CreateFleet'] as const;
/** Auto Scaling's own event for a launch it could not make. */
export const GROUP_LAUNCH_FAILED_DETAIL_TYPE = 'EC2 Instance Launch Unsuccessful';

/**
 * The EventBridge pattern that delivers these events to the watch, apart
 * from the evaluation's rules (which drop failed calls on purpose), one rule
 * for both sources (the member template's size counts): RunInstances/
 * CreateFleet refused with the enforcement's code (tolerant: any
 * `…UnsupportedOperation`, with or without CloudTrail's `Client.`), an
 * instant fleet listing such an error, and every Auto Scaling launch failure
 * (its wording is not documented, so the watch reads the text itself; they
 * are rare and cost no AWS call when unrelated). CloudTrail records have no
 * `detail.StatusCode` and Auto Scaling's events no `errorCode`, so the
 * alternatives do not mix. A refusal whose code is not UnsupportedOperation
 * (the message alone naming httpTokensEnforced) is not delivered: the
 * documented code is matched here, the words in the watch.
 */
export function refusedLaunchPattern(): Record<string, unknown> {
  const refused = [{ suffix: 'UnsupportedOperation' }];
  return {
    source: ['aws.ec2', 'aws.autoscaling'],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE, GROUP_LAUNCH_FAILED_DETAIL_TYPE],
    detail: {
      $or: [
        { eventName: [...LAUNCH_CALLS], errorCode: refused },
        { responseElements: { CreateFleetResponse: { errorSet: { item: { errorCode: refused } } } } },
        { StatusCode: ['Failed'] },
      ],
    },
  };
}

export type LaunchEventResult =
  | { ok: true; launches: RefusedLaunch[] }
  /** Not a launch event, or a failure for another reason: nothing to do (said why, for the log). */
  | { ok: false; reason: string };

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Whether an event is one the watch after graduation reads (the rest goes to the instance watch's schedule). */
export function isLaunchEvent(event: unknown): boolean {
  const detailType = prop(event, 'detail-type');
  if (detailType === GROUP_LAUNCH_FAILED_DETAIL_TYPE) return prop(event, 'source') === 'aws.autoscaling';
  return detailType === CLOUDTRAIL_DETAIL_TYPE && (LAUNCH_CALLS as readonly unknown[]).includes(prop(prop(event, 'detail'), 'eventName'));
}

export function refusedLaunches(event: unknown, scope: Scope): LaunchEventResult {
  if (!isRecord(event)) return { ok: false, reason: 'not an event object' };
  const detail = prop(event, 'detail');
  const elsewhere = elsewhereThan(scope, [
    ['event', prop(event, 'account'), prop(event, 'region')],
    ['CloudTrail record', prop(detail, 'recipientAccountId'), prop(detail, 'awsRegion')],
  ]);
  if (elsewhere) return { ok: false, reason: elsewhere };
  const id = text(prop(event, 'id'));
  const time = text(prop(event, 'time'));
  if (prop(event, 'detail-type') === GROUP_LAUNCH_FAILED_DETAIL_TYPE) return groupFailure(detail, id, time);
  if (prop(event, 'detail-type') !== CLOUDTRAIL_DETAIL_TYPE) return { ok: false, reason: `not a launch event (${String(prop(event, 'detail-type'))})` };
  const eventName = text(prop(detail, 'eventName'));
  if (eventName !== 'RunInstances' && eventName !== 'CreateFleet') return { ok: false, reason: `${eventName ?? 'an unnamed call'} is not a launch call` };
  const at = text(prop(detail, 'eventTime')) ?? time ?? new Date(0).toISOString();
  const caller = callerOf(detail);
  const source = sourceOf(detail);
  const base = { at, via: eventName, caller, ...(source ? { source } : {}) } as const;

  const code = text(prop(detail, 'errorCode'));
  const message = text(prop(detail, 'errorMessage'));
  if (code !== undefined || message !== undefined) {
    if (!isEnforcementRefusal(code, message)) return { ok: false, reason: `${eventName} failed for another reason (${code ?? 'no code'}: ${message ?? 'no message'})` };
    return { ok: true, launches: [{ ...base, error: `${code ?? 'no code'}: ${message ?? 'no message'}`, ...(id ? { eventId: id } : {}) }] };
  }
  // An instant fleet: the call succeeded, the launches it could not make are listed in its response.
  const errors = valuesAt(detail, 'responseElements.CreateFleetResponse.errorSet.item[]').filter(isRecord);
  const refused = errors.filter((e) => isEnforcementRefusal(text(e.errorCode), text(e.errorMessage)));
  if (refused.length === 0) return { ok: false, reason: `${eventName} succeeded${errors.length ? ' (its errors are not the enforcement)' : ''}` };
  return {
    ok: true,
    launches: refused.map((e, i) => {
      const template = templateIn(e);
      return {
        ...base,
        ...(template ? { source: template } : {}),
        error: `${text(e.errorCode) ?? 'no code'}: ${text(e.errorMessage) ?? 'no message'}`,
        ...(id ? { eventId: refused.length > 1 ? `${id}#${i}` : id } : {}),
      };
    }),
  };
}

function groupFailure(detail: unknown, id: string | undefined, time: string | undefined): LaunchEventResult {
  const group = text(prop(detail, 'AutoScalingGroupName'));
  const words = [text(prop(detail, 'StatusMessage')), text(prop(detail, 'Cause'))].filter((w): w is string => w !== undefined).join(' ');
  // The activity quotes EC2's message; its own code is not given.
  if (!isEnforcementRefusal(undefined, words) || words === '') return { ok: false, reason: `Auto Scaling launch failure${group ? ` of ${group}` : ''} for another reason` };
  const at = text(prop(detail, 'EndTime')) ?? text(prop(detail, 'StartTime')) ?? time ?? new Date(0).toISOString();
  return {
    ok: true,
    launches: [
      {
        at,
        via: 'Auto Scaling',
        caller: 'autoscaling.amazonaws.com',
        ...(group ? { source: `group ${group}` } : {}),
        error: text(prop(detail, 'StatusMessage')) ?? words,
        ...(id ? { eventId: id } : {}),
      },
    ],
  };
}

/** An event of another account or region is not this function's to judge. */
function elsewhereThan(scope: Scope, claims: [string, unknown, unknown][]): string | undefined {
  for (const [what, account, region] of claims) {
    if (account !== undefined && account !== scope.account) return `${what} account ${JSON.stringify(account)} is not this function's account ${scope.account}`;
    if (region !== undefined && region !== scope.region) return `${what} region ${JSON.stringify(region)} is not this function's region ${scope.region}`;
  }
  return undefined;
}

/** Who launched: the ARN in `userIdentity`, said to be on a group's behalf when Auto Scaling called. */
function callerOf(detail: unknown): string {
  const actor = actorOf(detail);
  const who = actor.arn ?? actor.issuerArn ?? actor.invokedBy ?? actor.type ?? 'unknown caller';
  return byAutoScaling(actor) ? `${who} (Auto Scaling, on a group's behalf)` : who;
}

/** What a call launched from: the Auto Scaling group (tag `aws:autoscaling:groupName`) and the launch template. */
function sourceOf(detail: unknown): string | undefined {
  const request = prop(detail, 'requestParameters');
  const tags = [
    ...valuesAt(request, 'tagSpecificationSet.items[].tags[]'),
    ...valuesAt(request, 'CreateFleetRequest.TagSpecification[].Tag[]'),
    ...valuesAt(request, 'CreateFleetRequest.TagSpecification.Tag[]'),
  ].filter(isRecord);
  const groupTag = tags.find((t) => (t.key ?? t.Key) === 'aws:autoscaling:groupName');
  const group = groupTag ? text(groupTag.value ?? groupTag.Value) : undefined;
  const template = templateIn(request);
  const parts = [group ? `group ${group}` : undefined, template].filter((p): p is string => p !== undefined);
  return parts.length ? parts.join(', ') : undefined;
}

/** `launch template lt-… (version 3)` from the places EC2's records name one (RunInstances, CreateFleet request and errors). */
function templateIn(root: unknown): string | undefined {
  const specs = [
    ...valuesAt(root, 'launchTemplate'),
    ...valuesAt(root, 'launchTemplateAndOverrides.launchTemplateSpecification'),
    ...valuesAt(root, 'CreateFleetRequest.LaunchTemplateConfigs[].LaunchTemplateSpecification'),
    ...valuesAt(root, 'CreateFleetRequest.LaunchTemplateConfigs.LaunchTemplateSpecification'),
  ].filter(isRecord);
  for (const spec of specs) {
    const idOrName = stringAt(spec, 'launchTemplateId') ?? stringAt(spec, 'LaunchTemplateId') ?? stringAt(spec, 'launchTemplateName') ?? stringAt(spec, 'LaunchTemplateName');
    if (!idOrName) continue;
    const version = stringAt(spec, 'version') ?? stringAt(spec, 'Version');
    return `launch template ${idOrName}${version ? ` (version ${version})` : ''}`;
  }
  return undefined;
}
