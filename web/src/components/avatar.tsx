import { useState } from 'preact/hooks';
import { colorSlot, initials } from '../lib/format.js';
import { useProfile } from '../state/profiles.js';
import './profile.css';

/**
 * A person's uploaded picture (rule PR4) when `userId` is given and they have one, else
 * initials on a colour picked from the name (the same for everyone); groups get rounded
 * squares, people circles. `online` adds the presence dot; its meaning is also given in text
 * by whoever shows the avatar, since a dot alone is not accessible.
 */
export function Avatar(props: {
  name: string;
  kind?: 'person' | 'group';
  size?: 'sm' | 'md' | 'lg';
  online?: boolean | undefined;
  /** The person's user id: their profile's picture is shown once it has arrived. */
  userId?: string | undefined;
  /** A picture to show as is (the profile editor's preview). */
  src?: string | null | undefined;
}) {
  const kind = props.kind ?? 'person';
  const profile = useProfile(kind === 'person' ? props.userId : undefined);
  const src = props.src !== undefined ? props.src : (profile?.avatarUrl ?? null);
  const [failed, setFailed] = useState<string | null>(null);
  const picture = src !== null && failed !== src;
  return (
    <span
      class={`avatar avatar-${props.size ?? 'md'} avatar-${kind} tint-${colorSlot(props.name)}${picture ? ' avatar-picture' : ''}`}
      aria-hidden="true"
    >
      {picture ? (
        <img class="avatar-img" src={src} alt="" loading="lazy" onError={() => setFailed(src)} />
      ) : (
        initials(props.name)
      )}
      {props.online !== undefined && (
        <span class={props.online ? 'presence presence-on' : 'presence presence-off'} />
      )}
    </span>
  );
}
