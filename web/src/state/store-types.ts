/** Limits of the node that served the page (read from its `<meta>` tags). */
export interface Limits {
  maxMessageChars: number;
  maxGroupNameChars: number;
}

/** A polite screen-reader announcement; `id` changes so repeated texts are read again. */
export interface Announcement {
  id: number;
  text: string;
}
