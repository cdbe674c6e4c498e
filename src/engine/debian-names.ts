/**
 * Debian Policy's syntax for package names, versions and architectures: the values that end up
 * in URLs, file names, command lines and the store. Shared by sync (which refuses an index that
 * breaks them) and the Debian backends (which refuse such a job).
 */

/** Policy 5.6.1 / 5.6.7: lower-case alphanumerics and + - ., at least two characters. */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Policy 5.6.12: [epoch:]upstream[-revision]; alphanumerics and . + ~ -. Upstream "should"
 * start with a digit; a letter is tolerated as dpkg does.
 */
export const VERSION = /^(?:[0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~-]*$/;

export const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
