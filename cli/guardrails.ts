/**
 * `imds-guard guardrails`: prints the preventive policy documents kept as
 * pure data in infra/guardrails.ts (the CLI never keeps its own copy).
 */
import { imdsDefaultsDeclarativePolicy, imdsV2Scp, type GuardrailOptions } from '../infra/guardrails.js';
import type { GuardrailPolicy } from './args/options.js';

export function guardrailsText(which: GuardrailPolicy | undefined, options: GuardrailOptions = {}): string {
  const doc =
    which === 'scp'
      ? imdsV2Scp(options)
      : which === 'declarative'
        ? imdsDefaultsDeclarativePolicy(options)
        : { serviceControlPolicy: imdsV2Scp(options), declarativePolicy: imdsDefaultsDeclarativePolicy(options) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
