import type { ComponentChildren } from 'preact';

/** A 24×24 stroked icon of the reply, thread and mention features; decorative. */
function Icon(props: { size?: number | undefined; children: ComponentChildren }) {
  const size = props.size ?? 16;
  return (
    <svg
      class="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {props.children}
    </svg>
  );
}

export const ReplyIcon = (p: { size?: number }) => (
  <Icon size={p.size}>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10.5A5.5 5.5 0 0 1 20 14.5v0a5.5 5.5 0 0 1-5.5 5.5H11" />
  </Icon>
);

export const ThreadIcon = (p: { size?: number }) => (
  <Icon size={p.size}>
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" />
    <path d="M8 10h8M8 14h5" />
  </Icon>
);

export const AtIcon = (p: { size?: number }) => (
  <Icon size={p.size}>
    <circle cx="12" cy="12" r="4" />
    <path d="M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-4 8" />
  </Icon>
);
