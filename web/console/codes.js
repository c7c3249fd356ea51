// codes.js -- the API's enumerations in the order people expect to see them
// (docs/api.md); their words are in the i18n table under type., channel.,
// stage., role., invitee. and kind.
export const TYPES = ['accusation', 'appeal', 'report', 'state_compensation', 'judicial_aid', 'legal_consultation'];
export const CHANNELS = ['letter', 'visit', 'online', 'phone', 'video'];
export const STAGES = ['register', 'review', 'assign', 'handle', 'reply', 'recheck', 'closed'];
export const ROLES = ['prosecutor', 'clerk', 'aid_staff', 'viewer', 'admin'];
export const INVITEE_ROLES = ['petitioner', 'agent', 'witness', 'interpreter', 'hearing_member', 'other'];
export const KINDS = ['reception', 'public_hearing', 'aid_disbursement'];

/** Roles that run hearings (hearing.run) and that may enter rooms (room.enter). */
export const HOSTS = ['prosecutor', 'aid_staff'];
export const ROOM_ROLES = ['prosecutor', 'clerk', 'aid_staff'];
/** Roles that may register cases (case.create). */
export const CASE_CREATORS = ['prosecutor', 'clerk', 'aid_staff'];

/** Appointment titles by hearing kind: what the console writes as the title
 * of a new appointment, and how it reads the kind back where the API gives
 * none (the names the office uses, whatever the page's language). */
export const KIND_TITLES = { reception: '接访', public_hearing: '检察听证', aid_disbursement: '司法救助' };

/** The hearing kind of appointment a: its own, else from its title, else null. */
export function apptKind(a) {
  if (a.kind && KINDS.includes(a.kind)) return a.kind;
  return KINDS.find((k) => KIND_TITLES[k] === a.title) || null;
}
