/**
 * Imported first by cli/main.ts. The AWS SDK prints a NodeVersionSupportWarning
 * on Node < 22 ("versions published after the first week of January 2027 will
 * require node >=22") at the first client it builds. The CLI bundle carries
 * its SDK inside, so that warning is about our build, not the user's:
 * docs/cli.md ("Installing the CLI") says what it means (engines). The SDK's
 * own switch turns exactly this warning off (@aws-sdk/core
 * emitWarningIfUnsupportedVersion); a user who sets the variable keeps their
 * value.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
