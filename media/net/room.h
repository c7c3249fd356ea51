/* room.h -- a hearing room's media: per participant a publisher connection
 * (the browser offers its tracks) and a subscriber connection (we offer
 * everyone else's tracks and renegotiate as people come and go), all driven
 * through one yf_router on one media worker. The control thread (signaling)
 * calls these functions; every callback comes back on the control context.
 * SDP is parsed and written on the control thread; agents, peers and the
 * router are touched only by the room's worker. */
#ifndef YF_ROOM_H
#define YF_ROOM_H

#include <glib.h>
#include <stdint.h>
#include "media/rec/writer.h"
#include "net.h"

typedef enum { YF_PC_PUBLISH, YF_PC_SUBSCRIBE } yf_pc_kind;

/* Limits that keep one participant from exhausting a room: participants whose
 * media a room carries (the router's table), and tracks one participant may
 * publish (further m-lines of an offer are answered but not forwarded). */
#define YF_ROOM_MAX_PARTICIPANTS 16
#define YF_ROOM_MAX_PUB_TRACKS 4
/* Receive-only observers (旁听) do not count against YF_ROOM_MAX_PARTICIPANTS:
 * a room carries up to its own observer limit of them (yf_room_set_max_observers,
 * default YF_ROOM_DEFAULT_MAX_OBSERVERS, at most YF_ROOM_OBSERVERS_CEILING). */
#define YF_ROOM_DEFAULT_MAX_OBSERVERS 500
#define YF_ROOM_OBSERVERS_CEILING 10000

/* One track a subscriber receives: which m-line, whose, what. */
typedef struct {
    char mid[32];
    uint32_t participant;   /* the publisher */
    char kind[8];           /* "audio" or "video" */
    gboolean active;        /* FALSE: the m-line is kept but inactive (the
                               publisher left or stopped that track) */
} yf_room_track;

typedef struct {
    /* A local candidate of a participant's connection ("" = gathering done). */
    void (*on_local_candidate)(void *user, uint32_t participant, yf_pc_kind pc, const char *candidate,
                               const char *mid, int mline_index);
    /* "connecting", "connected" (srtp_profile set), "failed" (reason), "closed". */
    void (*on_pc_state)(void *user, uint32_t participant, yf_pc_kind pc, const char *state,
                        const char *srtp_profile, const char *reason);
    /* A new offer for the participant's subscriber connection; answer it with
     * yf_room_subscribe_answer(revision). tracks[] describes its m-lines. */
    void (*on_subscribe_offer)(void *user, uint32_t participant, const char *sdp, unsigned revision,
                               const yf_room_track *tracks, size_t n_tracks);
    /* RFC 6464 level of a publisher's audio, in -dBov (0 loudest .. 127
     * silent), when it moves noticeably; and who is speaking now. */
    void (*on_audio_level)(void *user, uint32_t participant, int level);
    void (*on_active_speaker)(void *user, uint32_t participant);
    /* The participant's downlink, as estimated from its transport-wide
     * feedback, cannot carry the video it subscribed (TRUE: it gets audio
     * only) or can again (FALSE). */
    void (*on_downlink)(void *user, uint32_t participant, gboolean video_paused);
} yf_room_callbacks;

typedef struct yf_room yf_room;

/* Creates a room on the least loaded worker. `name` is for logs. Callbacks
 * run on the control context with `user` until yf_room_free. */
yf_room *yf_room_new(yf_net *m, const char *name, const yf_room_callbacks *cb, void *user, GError **err);
/* Ends every connection of the room; no callback runs after it returns. */
void yf_room_free(yf_room *r);

/* Adds a participant (no connections yet). participant ids are chosen by the
 * caller, unique in the room, never 0. */
gboolean yf_room_add_participant(yf_room *r, uint32_t participant, GError **err);
/* Adds a receive-only observer (旁听): a subscriber connection only, its
 * publish offers refused; counted against the room's observer limit, not
 * against YF_ROOM_MAX_PARTICIPANTS. Ids share the participants' space.
 * FALSE with YF_NET_ERROR_INTERNAL ("... observers") when the room has as
 * many as it may carry. */
gboolean yf_room_add_observer(yf_room *r, uint32_t participant, GError **err);
/* The most observers the room carries (1..YF_ROOM_OBSERVERS_CEILING;
 * clamped); call before the first participant is added, control thread. */
void yf_room_set_max_observers(yf_room *r, unsigned n);
/* Removes a participant or observer: its connections close, its tracks become inactive in
 * everyone's subscriber connection (renegotiated). */
void yf_room_remove_participant(yf_room *r, uint32_t participant);
/* Ends a participant's connections (each sends its DTLS close_notify) but
 * keeps it in the room: its published tracks stay, idle, for a page that
 * comes back with new connections (a publish offer and
 * yf_room_subscribe_reset). For a page whose signaling went away: the page
 * closes its RTCPeerConnections when its websocket drops, so nothing should
 * be sent to them meanwhile. */
void yf_room_hang_up(yf_room *r, uint32_t participant);

/* The participant's browser offers its publisher connection. Writes the
 * answer (g_free). A repeated offer is handled by what changed: a new
 * fingerprint or a new o= session id = a new RTCPeerConnection (the page was
 * reloaded, perhaps keeping its certificate): a new connection and DTLS
 * association, and the router treats the new SSRCs as the same tracks
 * switching source; the same session id with new ICE credentials = ICE
 * restart on the same DTLS session; nothing of these = renegotiation (tracks
 * added or removed). YF_NET_ERROR_SDP when refused. */
gboolean yf_room_publish_offer(yf_room *r, uint32_t participant, const char *sdp, char **answer,
                               GError **err);
/* The browser's answer to subscriber offer `revision`; an answer to an older
 * revision is refused (YF_NET_ERROR_SDP, "stale"). An answer whose o=
 * session id or fingerprint differs from the previous answer's on the same
 * connection comes from a new RTCPeerConnection: ICE restarts (our
 * credentials stay those of the offer) and a new DTLS association follows. */
gboolean yf_room_subscribe_answer(yf_room *r, uint32_t participant, unsigned revision, const char *sdp,
                                  GError **err);
/* A fresh subscriber connection (new ICE credentials and DTLS), for a page
 * that was reloaded; the offer arrives through on_subscribe_offer. */
gboolean yf_room_subscribe_reset(yf_room *r, uint32_t participant, GError **err);
/* ICE restart of the subscriber connection (new local credentials, same DTLS);
 * the offer arrives through on_subscribe_offer. */
gboolean yf_room_subscribe_restart(yf_room *r, uint32_t participant, GError **err);

gboolean yf_room_add_remote_candidate(yf_room *r, uint32_t participant, yf_pc_kind pc,
                                      const char *candidate, GError **err);

/* Server-side mute by the host: stop forwarding the participant's audio or
 * video to everyone (the browser keeps sending; nothing leaves the server). */
void yf_room_set_forwarding(yf_room *r, uint32_t participant, gboolean audio, gboolean video);

/* Recording (docs/recording-format.md): from now on every track the room's
 * participants publish is captured into DIR (which must exist) through the
 * writer w (borrowed: must outlive the room), one file per track and SSRC;
 * dir NULL stops and finishes every file. Files open at a track's first
 * packet and close when the track, its participant or the room goes. */
void yf_room_set_capture(yf_room *r, yf_rec_writer *w, const char *dir);

#endif
