/** EventBridge `detail-type`s imds-guard reads, in a module of their own: readers that need no catalog import only this. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';
