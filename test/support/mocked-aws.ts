/** EC2 and Auto Scaling mocked on one pair of clients, and the write calls that reached them. */
import { DeleteLaunchConfigurationCommand, StartInstanceRefreshCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { mockClients } from '../aws/helpers.js';

/** Every command imds-guard changes an account with; all else it sends only reads. */
const WRITES: readonly (abstract new (...args: never[]) => unknown)[] = [
  ModifyInstanceMetadataOptionsCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  ModifyLaunchTemplateCommand,
  ModifyInstanceMetadataDefaultsCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  UpdateAutoScalingGroupCommand,
  StartInstanceRefreshCommand,
  DeleteLaunchConfigurationCommand,
];

/** mockClients() and the writes they received (the caller clears the mocks). */
export function mockedAws() {
  const mocks = mockClients();
  /** The writes sent so far, named without "Command": EC2's in call order, then Auto Scaling's. */
  const writes = (): string[] =>
    [...mocks.ec2.calls(), ...mocks.autoScaling.calls()]
      .map((call) => call.args[0] as object)
      .filter((cmd) => WRITES.some((write) => cmd instanceof write))
      .map((cmd) => cmd.constructor.name.replace(/Command$/, ''));
  return { ...mocks, writes };
}
