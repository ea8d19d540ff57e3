/** Most ids one store call takes (the port's `latestSeqs`, `liveSessionIds`). */
export const IDS_PER_CALL = 500;

/** Runs `read` over `ids` in slices of {@link IDS_PER_CALL}, one after another; concatenates. */
export async function readInChunks<T>(
  ids: string[],
  read: (slice: string[]) => Promise<T[]>,
): Promise<T[]> {
  const all: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    all.push(...(await read(ids.slice(i, i + IDS_PER_CALL))));
  }
  return all;
}
