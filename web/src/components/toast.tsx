import { useEffect, useRef } from 'preact/hooks';
import type { ChatStore } from '../state/chat-store.js';
import { CloseIcon } from './icons.js';

/**
 * The latest notice, at the bottom of the screen, gone after a few seconds. It is a popover
 * so it shows above an open dialog too (both live in the browser's top layer).
 */
export function Toast({ store }: { store: ChatStore }) {
  const notice = store.notice;
  const region = useRef<HTMLDivElement>(null);

  // Always open (an empty popover takes no room), so screen readers watch its live region.
  useEffect(() => {
    region.current?.showPopover();
  }, []);

  useEffect(() => {
    const el = region.current;
    if (!notice || !el) return;
    // Showing it again moves it above a dialog opened since.
    el.hidePopover();
    el.showPopover();
    const timer = setTimeout(() => store.dismissNotice(), notice.tone === 'error' ? 8_000 : 5_000);
    return () => clearTimeout(timer);
  }, [notice, store]);

  return (
    <div class="toast-region" ref={region} popover="manual" role="status" aria-live="polite">
      {notice && (
        <div class={`toast toast-${notice.tone}`} key={notice.id}>
          <span>{notice.text}</span>
          <button
            type="button"
            class="icon-button icon-button-sm"
            aria-label="Dismiss"
            onClick={() => store.dismissNotice()}
          >
            <CloseIcon size={16} />
          </button>
        </div>
      )}
    </div>
  );
}
