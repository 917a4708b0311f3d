/** The AWS error as people should read it: `Code: message`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: unknown }).Code;
    const name = typeof code === 'string' && code !== '' ? code : error.name;
    return name && name !== 'Error' && !error.message.startsWith(name) ? `${name}: ${error.message}` : error.message;
  }
  return String(error);
}
