/** The AWS error as people should read it: `Code: message` (shared/errors.ts says it once for everyone). */
export { errorText as errorMessage } from '../errors.js';
