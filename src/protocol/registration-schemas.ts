import { z } from 'zod';
import { id } from './primitives.js';

/**
 * Wire schemas of registration modes, invites, passwords and email (rules RG1-RG10).
 * Browser-safe: depends on nothing but zod.
 */

/** Characters of invite codes and reset tokens (base64url); anything else is no code of ours. */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** The longest address SMTP carries (RFC 5321 path limit less the brackets). */
export const EMAIL_MAX = 254;

/** An email address: at most 254 characters, exactly one @, no spaces or control characters. */
export const EmailSchema = z
  .string()
  .max(EMAIL_MAX, `email must be at most ${EMAIL_MAX} characters`)
  .regex(/^[^@\s\p{C}]+@[^@\s\p{C}]+$/u, {
    message: 'email must be one address like name@example.org (one @, no spaces)',
  });

export const RegistrationModeSchema = z.enum(['open', 'invite', 'closed']);

/** GET /auth/registration: the mode; `membersCanInvite` only for a logged-in caller. */
export const RegistrationSchema = z
  .object({ mode: RegistrationModeSchema, membersCanInvite: z.boolean().optional() })
  .meta({ id: 'Registration' });
export const RegistrationSettingsSchema = z
  .object({ mode: RegistrationModeSchema, membersCanInvite: z.boolean() })
  .meta({ id: 'RegistrationSettings' });
export const RegistrationSettingsBody = z
  .object({ mode: RegistrationModeSchema.optional(), membersCanInvite: z.boolean().optional() })
  .strict();

/** An invite code or a reset token from a client. */
export const TokenSchema = z.string().regex(TOKEN, 'not a valid code');

export const InviteSchema = z
  .object({
    id,
    createdBy: z.object({ userId: id, username: z.string() }),
    createdAt: z.number(),
    expiresAt: z.number(),
    maxUses: z.number().int(),
    uses: z.number().int(),
    revokedAt: z.number().nullable(),
  })
  .meta({ id: 'Invite' });
export const CreatedInviteSchema = InviteSchema.extend({ code: z.string(), url: z.string() }).meta({
  id: 'CreatedInvite',
});
export const CreateInviteBody = z
  .object({
    expiresInHours: z.number().int().min(1).max(720).optional(),
    maxUses: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export const InvitePath = z.object({ id: z.string().min(1).max(64).regex(TOKEN) });
export const InviteCheckQuery = z.object({ code: z.string().max(1024) });
export const InviteCheckSchema = z.object({ valid: z.literal(true), expiresAt: z.number() });

export const ChangePasswordBody = z.object({
  currentPassword: z.string().max(1024),
  newPassword: z.string().max(1024),
});
export const IssueResetBody = z.object({ send: z.boolean().optional() }).strict();
export const IssuedResetSchema = z
  .object({ url: z.string(), expiresAt: z.number(), sent: z.boolean() })
  .meta({ id: 'IssuedReset' });
export const PasswordResetBody = z.object({
  token: z.string().max(1024),
  password: z.string().max(1024),
});
export const ForgotPasswordBody = z.object({ username: z.string().max(1024) });
export const UserIdPath = z.object({ id: z.string().min(1).max(64).regex(TOKEN) });

export type RegistrationMode = z.infer<typeof RegistrationModeSchema>;
export type RegistrationDto = z.infer<typeof RegistrationSchema>;
export type RegistrationSettingsDto = z.infer<typeof RegistrationSettingsSchema>;
export type InviteDto = z.infer<typeof InviteSchema>;
export type CreatedInviteDto = z.infer<typeof CreatedInviteSchema>;
export type IssuedResetDto = z.infer<typeof IssuedResetSchema>;
