// What a case reports for an operation that may throw: {ok: value} or {error: constructor name}.
// Names, not messages: messages differ between engines, the kind of error is specified.
export function attempt(f) {
  try {
    const value = f();
    return { ok: value === undefined ? null : value };
  } catch (error) {
    return { error: error.constructor.name };
  }
}

// `attempt` for an async operation (or one that returns a promise).
export async function attemptAsync(f) {
  try {
    const value = await f();
    return { ok: value === undefined ? null : value };
  } catch (error) {
    return { error: error.constructor.name };
  }
}
