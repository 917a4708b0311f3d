/**
 * Environment for running the real clients against the fake endpoint. Import
 * this module FIRST (before anything from shared/ or functions/), so the
 * logger level and the SDK settings are in place when those modules load.
 */
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// The SDK's own switch for its Node < 22 notice (see cli/quiet.ts): bench output carries figures only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
