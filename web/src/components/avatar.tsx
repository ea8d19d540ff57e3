import { colorSlot, initials } from '../lib/format.js';

/**
 * Initials on a colour picked from the name (the same for everyone); groups get rounded
 * squares, people circles. `online` adds the presence dot; its meaning is also given in text
 * by whoever shows the avatar, since a dot alone is not accessible.
 */
export function Avatar(props: {
  name: string;
  kind?: 'person' | 'group';
  size?: 'sm' | 'md' | 'lg';
  online?: boolean | undefined;
}) {
  const kind = props.kind ?? 'person';
  return (
    <span
      class={`avatar avatar-${props.size ?? 'md'} avatar-${kind} tint-${colorSlot(props.name)}`}
      aria-hidden="true"
    >
      {initials(props.name)}
      {props.online !== undefined && (
        <span class={props.online ? 'presence presence-on' : 'presence presence-off'} />
      )}
    </span>
  );
}
