import type { Mailer } from '../ports/mail.js';
import type { ServiceDeps } from './deps.js';

/** What MailService uses: the configured mailer (null: the node sends no mail) and the log. */
export interface MailDeps {
  mailer: Mailer | null;
  log: ServiceDeps['log'];
}

/** The mails the node sends (rule RG9): only password reset links, only when SMTP is configured. */
export class MailService {
  readonly #deps: MailDeps;

  constructor(deps: MailDeps) {
    this.#deps = deps;
  }

  /** True when an operator configured SMTP (--smtp-url). */
  get enabled(): boolean {
    return this.#deps.mailer !== null;
  }

  /**
   * Mails a reset link; false if mail is off or the server refused it (logged, never thrown:
   * the caller's answer must not tell whether a mail went out).
   */
  async sendPasswordReset(to: { username: string; email: string; url: string }): Promise<boolean> {
    const mailer = this.#deps.mailer;
    if (!mailer) return false;
    try {
      await mailer.send({
        to: to.email,
        subject: 'Reset your Parley password',
        text: [
          `Hello ${to.username},`,
          '',
          'Someone asked to reset the password of your Parley account. To choose a new one,',
          'open this link within an hour (it works once):',
          '',
          to.url,
          '',
          'If it was not you, ignore this mail: your password stays as it is.',
        ].join('\n'),
      });
      this.#deps.log.info({ event: 'mail.sent', kind: 'password_reset' }, 'reset mail sent');
      return true;
    } catch (err) {
      this.#deps.log.warn({ event: 'mail.failed', err }, 'reset mail could not be sent');
      return false;
    }
  }
}
