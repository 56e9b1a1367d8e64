/**
 * Looks for a create that may still land on the server (its answer was lost): asks
 * `find` again and again, with growing pauses, until it finds something or the window
 * closes. The last look is at the deadline itself, not one pause before it.
 */
export async function waitForLanding<T>(
  find: () => Promise<T | undefined>,
  windowMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + windowMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2_000)) {
    const found = await find();
    const left = deadline - Date.now();
    if (found !== undefined || left <= 0) return found;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}

/** How many times a create whose answer keeps being lost is sent in all. */
export const MAX_LOST_CREATE_ROUNDS = 3;
