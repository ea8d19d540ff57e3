import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { displayName, presenceLine } from '../lib/profiles.js';
import { pageProfiles, useProfile } from '../state/profiles.js';
import { Avatar } from './avatar.js';

/**
 * A sender's name or avatar as a button that opens their profile card (rule PR7): display
 * name, @username, status, and online or last seen. Escape or a click elsewhere closes it.
 */
export function ProfileTrigger(props: {
  userId: string;
  username: string;
  label?: string;
  children: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<Record<string, string>>({});
  const anchor = useRef<HTMLSpanElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return undefined;
    void pageProfiles.refresh(props.userId).catch(() => undefined);
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
    };
    const onDown = (e: PointerEvent) => {
      if (!anchor.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onDown, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onDown, true);
    };
  }, [open, props.userId]);
  return (
    <span class="profile-anchor" ref={anchor}>
      <button
        ref={button}
        type="button"
        class="profile-trigger"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={props.label ?? `Profile of ${props.username}`}
        onClick={() => {
          // Fixed, beside the trigger: the message list's scroller would clip it otherwise.
          const r = button.current?.getBoundingClientRect();
          if (r) {
            const below = r.bottom + 6;
            const left = `${Math.max(8, Math.min(r.left, innerWidth - 276))}px`;
            setPlace(
              below + 220 > innerHeight
                ? { left, bottom: `${innerHeight - r.top + 6}px` }
                : { left, top: `${below}px` },
            );
          }
          setOpen(!open);
        }}
      >
        {props.children}
      </button>
      {open && <ProfileCard userId={props.userId} username={props.username} style={place} />}
    </span>
  );
}

/** The card itself: what the cache knows, refreshed when it opens. */
export function ProfileCard(props: {
  userId: string;
  username: string;
  style?: Record<string, string>;
}) {
  const profile = useProfile(props.userId);
  const name = displayName(profile, props.username);
  const seen = profile ? presenceLine(profile) : null;
  return (
    <div
      class="profile-card"
      role="dialog"
      aria-label={`Profile of ${props.username}`}
      style={props.style}
    >
      <div class="profile-card-head">
        <Avatar name={props.username} userId={props.userId} size="lg" />
        <div>
          <p class="profile-card-name">{name}</p>
          <p class="profile-card-username">@{props.username}</p>
        </div>
      </div>
      {profile?.statusText && <p class="profile-card-status">{profile.statusText}</p>}
      {seen && <p class="profile-card-seen">{seen}</p>}
    </div>
  );
}

/** A message header's sender: their display name (else username), opening their card. */
export function SenderName(props: { userId: string; username: string }) {
  const profile = useProfile(props.userId);
  return (
    <ProfileTrigger userId={props.userId} username={props.username}>
      <span class="profile-trigger-name">{displayName(profile, props.username)}</span>
    </ProfileTrigger>
  );
}

/** A message's avatar in the gutter, opening the sender's card. */
export function SenderAvatar(props: { userId: string; username: string }) {
  return (
    <ProfileTrigger userId={props.userId} username={props.username}>
      <Avatar name={props.username} userId={props.userId} size="sm" />
    </ProfileTrigger>
  );
}
