/** Usernames are case-insensitive: stored and compared lowercase (rule A1). */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}
