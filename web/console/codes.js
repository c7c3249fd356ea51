// codes.js -- the API's enumerations in the order people expect to see them
// (docs/api.md); their words are in the i18n table under type., channel.,
// stage., role., invitee. and kind.
export const TYPES = ['accusation', 'appeal', 'report', 'state_compensation', 'judicial_aid', 'legal_consultation'];
export const CHANNELS = ['letter', 'visit', 'online', 'phone', 'video'];
export const STAGES = ['register', 'review', 'assign', 'handle', 'reply', 'recheck', 'closed'];
export const ROLES = ['prosecutor', 'clerk', 'aid_staff', 'viewer', 'admin'];
export const INVITEE_ROLES = ['petitioner', 'agent', 'witness', 'interpreter', 'hearing_member', 'other'];
export const KINDS = ['reception', 'public_hearing', 'aid_disbursement'];   // hearings

/** Roles that run hearings (hearing.run) and that may enter rooms (room.enter). */
export const HOSTS = ['prosecutor', 'aid_staff'];
export const ROOM_ROLES = ['prosecutor', 'clerk', 'aid_staff'];
/** Roles that may register cases (case.create), and those of them who may
 * then open what they registered (a prosecutor's case is assigned to them,
 * aid staff's is a 司法救助 case; a clerk's is neither). */
export const CASE_CREATORS = ['prosecutor', 'clerk', 'aid_staff'];
export const REGISTRAR_READS = ['prosecutor', 'aid_staff'];

/** What an appointment is for (its `kind`); a hearing started from it is of
 * the matching hearing kind (KINDS), which the server chooses. */
export const APPT_KINDS = ['reception', 'public_hearing', 'aid'];

/** The title a new appointment gets, as its invitees read it on their join
 * page (in Chinese, whatever the console's language). */
export const APPT_TITLES = { reception: '视频接访', public_hearing: '检察听证', aid: '司法救助' };
