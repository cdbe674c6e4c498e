/** An answer other than 2xx, thrown by handlers and helpers and rendered by the app's error handler. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 413 | 415 | 500 | 501,
    /** Plain-text body; empty for 403 and for v1's 404s, as rebuilderd. */
    message = "",
  ) {
    super(message);
  }
}

export const forbidden = () => new HttpError(403);
export const notFound = () => new HttpError(404);
export const badRequest = (message: string) => new HttpError(400, message);
