/** Ends a command with a chosen exit code (e.g. `check`: 1 not verified, 2 error) after it has printed its answer. */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = "CommandExit";
  }
}
