/**
 * Every kind's subject in one union, and the subject of a resource that is gone. The only module that names every kind's subject type; the vocabulary (shared/model.ts) imports no kind.
 */
import type { AutoScalingGroupSubject } from './auto-scaling-group/subject.js';
import type { InstanceSubject } from './instance/subject.js';
import type { LaunchTemplateSubject } from './launch-template/subject.js';
import type { LaunchConfigurationSubject } from './launch-configuration/subject.js';
import type { AccountDefaultsSubject } from './account-defaults/subject.js';

import type { ResourceKind, ResourceRef } from '../model.js';
/** A reference whose resource no longer exists (deleted, terminated and gone). */
export interface MissingSubject {
  kind: 'missing';
  ref: ResourceRef;
}

export type Subject =
  | InstanceSubject
  | LaunchTemplateSubject
  | LaunchConfigurationSubject
  | AccountDefaultsSubject
  | AutoScalingGroupSubject
  | MissingSubject;

/** A subject that exists (not `missing`). */
export type LiveSubject = Exclude<Subject, { kind: 'missing' }>;

/** The subject type of one kind. */
export type SubjectOf<K extends ResourceKind> = Extract<LiveSubject, { kind: K }>;
