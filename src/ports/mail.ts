/** One plain-text mail to one address. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * The Mail port (rule RG9): how the node sends mail, when an operator configured it. Only
 * the adapter's folder (adapters/smtp) imports the mail library.
 */
export interface Mailer {
  /** Sends the message; rejects when the server refuses it or cannot be reached. */
  send(message: MailMessage): Promise<void>;
  /** Closes pooled connections. */
  close(): void;
}
