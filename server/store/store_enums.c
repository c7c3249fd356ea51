/* store_enums.c -- the store's enumerations: the ASCII code each one is stored
 * as, the Chinese label it is shown with, parsing codes back, the table of
 * legal stage moves on the case timeline, and which hearing an appointment's
 * kind holds. Pure data, no SQL. */
#include <string.h>

#include "store.h"

static const char *const role_codes[] = { "admin", "prosecutor", "clerk", "aid_staff", "viewer" };
static const char *const role_labels[] = { "管理员", "检察官", "书记员", "司法救助工作人员", "查阅人员" };
static const char *const type_codes[] = { "accusation", "appeal", "report", "state_compensation",
                                          "judicial_aid", "legal_consultation" };
static const char *const type_labels[] = { "控告", "申诉", "举报", "国家赔偿", "司法救助", "法律咨询" };
static const char *const channel_codes[] = { "letter", "visit", "online", "phone", "video" };
static const char *const channel_labels[] = { "信", "访", "网", "电", "视频" };
static const char *const stage_codes[] = { "register", "review", "assign", "handle", "reply",
                                           "recheck", "closed" };
static const char *const stage_labels[] = { "登记", "审查", "分流/交办", "办理", "答复", "复查", "终结" };
static const char *const invitee_codes[] = { "petitioner", "agent", "witness", "interpreter",
                                             "hearing_member", "other" };
static const char *const invitee_labels[] = { "信访人", "代理人", "证人", "翻译人员", "听证员", "其他" };
static const char *const hearing_codes[] = { "reception", "public_hearing", "aid_disbursement" };
static const char *const hearing_labels[] = { "接访", "检察听证", "司法救助" };
/* The roles a room token carries that are neither staff nor invitee codes
 * (api_invitation.c: an agent enters as lawyer, a hearing member as
 * hearing_officer, a witness as witness (an invitee code), anyone else as
 * observer). */
static const char *const room_codes[] = { "lawyer", "hearing_officer", "observer" };
static const char *const room_labels[] = { "代理人", "听证员", "旁听人员" };
static const char *const appointment_codes[] = { "reception", "public_hearing", "aid" };
static const char *const appointment_labels[] = { "接访", "检察听证", "司法救助" };

G_STATIC_ASSERT(G_N_ELEMENTS(role_codes) == YF_ROLE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(role_labels) == YF_ROLE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(hearing_labels) == YF_HEARING_KIND_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(room_codes) == G_N_ELEMENTS(room_labels));
G_STATIC_ASSERT(G_N_ELEMENTS(type_codes) == YF_CASE_TYPE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(channel_codes) == YF_CHANNEL_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(stage_codes) == YF_STAGE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(invitee_codes) == YF_INVITEE_ROLE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(invitee_labels) == YF_INVITEE_ROLE_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(hearing_codes) == YF_HEARING_KIND_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(appointment_codes) == YF_APPOINTMENT_KIND_COUNT_);
G_STATIC_ASSERT(G_N_ELEMENTS(appointment_labels) == YF_APPOINTMENT_KIND_COUNT_);

static const char *at(const char *const *tab, int n, int i)
{
    return i >= 0 && i < n ? tab[i] : NULL;
}

static gboolean find(const char *const *tab, int n, const char *code, int *out)
{
    for (int i = 0; code && i < n; i++)
        if (strcmp(tab[i], code) == 0) {
            *out = i;
            return TRUE;
        }
    return FALSE;
}

#define ENUM_FUNCS(prefix, type, tab)                                              \
    const char *prefix##_code(type v) { return at(tab, G_N_ELEMENTS(tab), (int)v); } \
    gboolean prefix##_parse(const char *code, type *out)                           \
    {                                                                              \
        int i;                                                                     \
        if (!find(tab, G_N_ELEMENTS(tab), code, &i))                               \
            return FALSE;                                                          \
        *out = (type)i;                                                            \
        return TRUE;                                                               \
    }

/* A code or its Chinese label (what a clerk types: 申诉, 视频). */
#define ENUM_PARSE_ANY(prefix, type, labels)                                       \
    gboolean prefix##_parse_any(const char *v, type *out)                          \
    {                                                                              \
        int i;                                                                     \
        if (prefix##_parse(v, out))                                                \
            return TRUE;                                                           \
        if (!find(labels, G_N_ELEMENTS(labels), v, &i))                            \
            return FALSE;                                                          \
        *out = (type)i;                                                            \
        return TRUE;                                                               \
    }

ENUM_FUNCS(yf_role, yf_role, role_codes)
ENUM_FUNCS(yf_case_type, yf_case_type, type_codes)
ENUM_FUNCS(yf_channel, yf_channel, channel_codes)
ENUM_FUNCS(yf_stage, yf_stage, stage_codes)
ENUM_FUNCS(yf_invitee_role, yf_invitee_role, invitee_codes)
ENUM_FUNCS(yf_hearing_kind, yf_hearing_kind, hearing_codes)
ENUM_FUNCS(yf_appointment_kind, yf_appointment_kind, appointment_codes)
ENUM_PARSE_ANY(yf_case_type, yf_case_type, type_labels)
ENUM_PARSE_ANY(yf_channel, yf_channel, channel_labels)
ENUM_PARSE_ANY(yf_appointment_kind, yf_appointment_kind, appointment_labels)

const char *yf_role_label(yf_role r)
{
    return at(role_labels, G_N_ELEMENTS(role_labels), (int)r);
}

const char *yf_hearing_kind_label(yf_hearing_kind k)
{
    return at(hearing_labels, G_N_ELEMENTS(hearing_labels), (int)k);
}

const char *yf_participant_role_label(const char *code)
{
    int i;
    if (!code || !*code)
        return "";
    if (find(role_codes, G_N_ELEMENTS(role_codes), code, &i))
        return role_labels[i];
    if (find(invitee_codes, G_N_ELEMENTS(invitee_codes), code, &i))
        return invitee_labels[i];
    if (find(room_codes, G_N_ELEMENTS(room_codes), code, &i))
        return room_labels[i];
    return "参与人";
}

const char *yf_case_type_label(yf_case_type t)
{
    return at(type_labels, G_N_ELEMENTS(type_labels), (int)t);
}

const char *yf_channel_label(yf_channel c)
{
    return at(channel_labels, G_N_ELEMENTS(channel_labels), (int)c);
}

const char *yf_stage_label(yf_stage s)
{
    return at(stage_labels, G_N_ELEMENTS(stage_labels), (int)s);
}

const char *yf_invitee_role_label(yf_invitee_role r)
{
    return at(invitee_labels, G_N_ELEMENTS(invitee_labels), (int)r);
}

const char *yf_appointment_kind_label(yf_appointment_kind k)
{
    return at(appointment_labels, G_N_ELEMENTS(appointment_labels), (int)k);
}

yf_hearing_kind yf_appointment_kind_hearing(yf_appointment_kind k)
{
    switch (k) {
    case YF_APPOINTMENT_PUBLIC_HEARING: return YF_HEARING_PUBLIC;
    case YF_APPOINTMENT_AID: return YF_HEARING_AID_DISBURSEMENT;
    default: return YF_HEARING_RECEPTION;
    }
}

/* Legal moves: row = from, bit = to. 审查 may close a case it does not accept
 * (不予受理) or a consultation it answered; 复查 returns to 办理 or 答复, or ends. */
#define B(s) (1u << (s))
static const unsigned moves[YF_STAGE_COUNT_] = {
    [YF_STAGE_REGISTER] = B(YF_STAGE_REVIEW),
    [YF_STAGE_REVIEW] = B(YF_STAGE_ASSIGN) | B(YF_STAGE_CLOSED),
    [YF_STAGE_ASSIGN] = B(YF_STAGE_HANDLE),
    [YF_STAGE_HANDLE] = B(YF_STAGE_REPLY),
    [YF_STAGE_REPLY] = B(YF_STAGE_RECHECK) | B(YF_STAGE_CLOSED),
    [YF_STAGE_RECHECK] = B(YF_STAGE_HANDLE) | B(YF_STAGE_REPLY) | B(YF_STAGE_CLOSED),
    [YF_STAGE_CLOSED] = 0,
};

gboolean yf_stage_transition_allowed(yf_stage from, yf_stage to)
{
    if ((unsigned)from >= YF_STAGE_COUNT_ || (unsigned)to >= YF_STAGE_COUNT_)
        return FALSE;
    return (moves[from] & B(to)) != 0;
}
