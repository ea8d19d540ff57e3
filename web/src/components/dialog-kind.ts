/** Which dialog the chat screen shows, if any (opened from the sidebar and the welcome pane). */
export type DialogKind = 'new-dm' | 'new-group' | 'account' | 'group-settings' | null;
