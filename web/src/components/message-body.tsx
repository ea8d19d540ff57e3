import { linkify } from '../lib/linkify.js';

/** A message's text, rendered to DOM elements (never parsed as HTML). */
export function MessageBody(props: { body: string; me?: string | undefined }) {
  return <div class="message-body">{linkify(props.body)}</div>;
}
