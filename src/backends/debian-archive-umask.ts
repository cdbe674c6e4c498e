/**
 * Starts a child process with umask 022 (what the buildds use) whatever the engine's umask is.
 * A child inherits the umask when it is spawned, which happens synchronously inside `start`
 * (StepRunner.run/capture → runProcess → execa), so it is changed only for that moment. None of
 * the tools on the way (unshare, dpkg-source) can set a umask without going through a shell.
 */
export const BUILD_UMASK = 0o022;

export function withBuildUmask<T>(start: () => Promise<T>): Promise<T> {
  const previous = process.umask(BUILD_UMASK);
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}
