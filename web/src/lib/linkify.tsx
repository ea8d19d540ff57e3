import type { ComponentChildren } from 'preact';

/** http(s) URLs only: other schemes (javascript:, data:) are never made clickable. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;

/**
 * Message text as text: every character reaches the DOM as a text node (never parsed as
 * HTML), and http(s) URLs become links that open in a new tab without a referrer or opener.
 */
export function linkify(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    // Punctuation right after a URL usually ends the sentence, unless it closes a bracket.
    const trailing = TRAILING.exec(url)?.[0] ?? '';
    if (trailing && !(trailing.startsWith(')') && url.includes('('))) {
      url = url.slice(0, url.length - trailing.length);
    }
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <a href={url} target="_blank" rel="noopener noreferrer nofollow" key={start}>
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
