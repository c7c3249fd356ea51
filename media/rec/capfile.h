/* capfile.h -- the capture file format of docs/recording-format.md: a header
 * (magic, version, creation time, track metadata as JSON) and CRC-checked,
 * length-prefixed records (RTP, RTCP, GAP, END), all big-endian. Pure
 * encoders and decoders over caller buffers; a streaming reader over a file
 * descriptor or memory that trusts no length it reads; and the recovery of a
 * .part file a crash left behind. Thread-safe: no shared state. */
#ifndef YF_CAPFILE_H
#define YF_CAPFILE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define YF_CAP_MAGIC "YFCAP1\0\0"
#define YF_CAP_MAGIC_LEN 8
#define YF_CAP_VERSION 1
#define YF_CAP_HEADER_FIXED 24       /* magic 8, version 2, flags 2, created 8, meta length 4 */
#define YF_CAP_META_MAX 4096         /* metadata JSON bytes */
#define YF_CAP_HEADER_MAX (YF_CAP_HEADER_FIXED + YF_CAP_META_MAX + 4)
#define YF_CAP_RECORD_HEAD 13        /* type 1, length 4, arrival 8 */
#define YF_CAP_RECORD_OVERHEAD 17    /* head + CRC 4 */
#define YF_CAP_PAYLOAD_MAX 65536     /* payload bytes of one record */
#define YF_CAP_RECORD_MAX (YF_CAP_RECORD_OVERHEAD + YF_CAP_PAYLOAD_MAX)
#define YF_CAP_ROOM_MAX 128          /* metadata "room", UTF-8 bytes */
#define YF_CAP_CODEC_MAX 31          /* metadata "codec" */
#define YF_CAP_GAP_TEXT_MAX 256      /* GAP reason text */

#define YF_CAP_SUFFIX ".ycap"
#define YF_CAP_PART_SUFFIX ".ycap.part"

typedef enum {
    YF_CAP_RTP = 1,   /* one decrypted RTP packet */
    YF_CAP_RTCP = 2,  /* one decrypted RTCP compound (sender reports) */
    YF_CAP_GAP = 3,   /* media is missing from here: yf_cap_gap payload */
    YF_CAP_END = 4,   /* the file is complete; nothing follows */
} yf_cap_type;

/* Causes in a GAP payload. */
typedef enum {
    YF_CAP_GAP_NO_MEDIA = 1,   /* the track stopped receiving */
    YF_CAP_GAP_RESTART = 2,    /* the server stopped (crash); count = bytes cut */
    YF_CAP_GAP_QUEUE_FULL = 3, /* the writer was behind; count = records dropped */
    YF_CAP_GAP_WRITE_ERROR = 4 /* the disk refused; count = records lost */
} yf_cap_gap_cause;

/* Results of the pure codec (0 or negative). */
typedef enum {
    YF_CAP_OK = 0,
    YF_CAP_ESHORT = -1,    /* input ends inside the header or record */
    YF_CAP_ETOOLONG = -2,  /* a length field exceeds its limit */
    YF_CAP_ECRC = -3,      /* CRC mismatch */
    YF_CAP_EMAGIC = -4,    /* not a capture file */
    YF_CAP_EVERSION = -5,  /* a version this code does not read */
    YF_CAP_EMETA = -6,     /* metadata is not valid UTF-8 JSON of the schema */
    YF_CAP_ENOSPACE = -7,  /* the caller's buffer is too small */
    YF_CAP_EINVAL = -8,    /* bad argument (type, length, metadata field) */
} yf_cap_err;

const char *yf_cap_strerror(int err);

typedef enum { YF_CAP_AUDIO = 1, YF_CAP_VIDEO = 2 } yf_cap_kind;

/* Track metadata (the header's JSON). Strings are NUL-terminated UTF-8. */
typedef struct {
    char room[YF_CAP_ROOM_MAX + 1];
    uint32_t participant;
    yf_cap_kind kind;
    char codec[YF_CAP_CODEC_MAX + 1];  /* "VP8", "opus", "H264" */
    uint8_t payload_type;              /* 0..127 */
    uint32_t clock_rate;               /* > 0 */
    uint32_t ssrc;
    uint8_t red_payload_type;          /* audio: RFC 2198 RED carrying the
                                          codec's packets on this SSRC, 0: none
                                          (key written only when nonzero) */
} yf_cap_meta;

/* A decoded header; meta_json points into the decoder's input. */
typedef struct {
    uint16_t version;
    uint16_t flags;
    int64_t created_us;       /* wall clock, µs since the epoch */
    const uint8_t *meta_json;
    size_t meta_len;
    size_t size;              /* header bytes, CRC included */
} yf_cap_header;

/* A decoded record; payload points into the decoder's input. */
typedef struct {
    uint8_t type;
    int64_t arrival_us;
    const uint8_t *payload;
    size_t len;
    size_t size;              /* record bytes: len + YF_CAP_RECORD_OVERHEAD */
} yf_cap_record;

/* ---- pure codec (no IO, no allocation except the metadata JSON) ---- */

/* Writes the header for `m`, created at `created_us`, into dst. Returns its
 * size, YF_CAP_ENOSPACE, or YF_CAP_EINVAL for metadata outside the limits. */
int yf_cap_header_encode(const yf_cap_meta *m, int64_t created_us, uint8_t *dst, size_t cap);
/* Decodes a header at src. Returns its size, or YF_CAP_ESHORT / ETOOLONG /
 * ECRC / EMAGIC / EVERSION / EMETA (the JSON must be valid UTF-8). */
int yf_cap_header_decode(const uint8_t *src, size_t len, yf_cap_header *out);
/* Parses the metadata JSON (unknown keys ignored). YF_CAP_OK or YF_CAP_EMETA. */
int yf_cap_meta_parse(const uint8_t *json, size_t len, yf_cap_meta *out);

/* Writes one record into dst. Returns its size, YF_CAP_ENOSPACE, or
 * YF_CAP_EINVAL (type 0 or len > YF_CAP_PAYLOAD_MAX). */
int yf_cap_record_encode(uint8_t type, int64_t arrival_us, const uint8_t *payload, size_t len, uint8_t *dst,
                         size_t cap);
/* Decodes one record at src. Returns its size, or YF_CAP_ESHORT (input ends
 * inside it), YF_CAP_ETOOLONG (length field > YF_CAP_PAYLOAD_MAX; checked
 * before anything is read past the head), YF_CAP_ECRC. Unknown types decode. */
int yf_cap_record_decode(const uint8_t *src, size_t len, yf_cap_record *out);

/* GAP payload: u8 cause, u32 count, UTF-8 text (at most YF_CAP_GAP_TEXT_MAX). */
int yf_cap_gap_encode(yf_cap_gap_cause cause, uint32_t count, const char *text, uint8_t *dst, size_t cap);
int yf_cap_gap_decode(const uint8_t *p, size_t len, uint8_t *cause, uint32_t *count, const char **text,
                      size_t *text_len);

/* ---- streaming reader ---- */

#define YF_CAP_ERROR (yf_cap_error_quark())
GQuark yf_cap_error_quark(void);
typedef enum {
    YF_CAP_ERROR_IO,        /* read() failed */
    YF_CAP_ERROR_TRUNCATED, /* the data ends inside the header or a record */
    YF_CAP_ERROR_TOO_LONG,  /* a length field exceeds its limit */
    YF_CAP_ERROR_CRC,       /* a CRC does not match */
    YF_CAP_ERROR_HEADER,    /* bad magic, version or metadata */
    YF_CAP_ERROR_AFTER_END, /* bytes after the END record */
    YF_CAP_ERROR_STATE,     /* reader used out of order */
} yf_cap_error_code;

typedef struct yf_cap_reader yf_cap_reader;

/* A reader over `fd` from its offset 0 (pread; the fd is borrowed and its
 * file position left alone), or over `len` bytes of memory (borrowed). */
yf_cap_reader *yf_cap_reader_new_fd(int fd);
yf_cap_reader *yf_cap_reader_new_mem(const uint8_t *data, size_t len);
void yf_cap_reader_free(yf_cap_reader *r);

/* Reads and checks the header; call once, first. out->meta_json is valid
 * until the reader is freed. FALSE with a YF_CAP_ERROR naming the offset. */
gboolean yf_cap_reader_header(yf_cap_reader *r, yf_cap_header *out, GError **err);
/* The next record: 1 (out filled; payload valid until the next call), 0 at
 * the end (after END, or at a record boundary where the data ends: then
 * yf_cap_reader_complete() is FALSE), -1 with a YF_CAP_ERROR whose message
 * names the offset of the bad record (yf_cap_reader_good_end()). Records of
 * unknown type are CRC-checked, counted and skipped. After an error every
 * call returns -1 again. */
int yf_cap_reader_next(yf_cap_reader *r, yf_cap_record *out, GError **err);
/* Offset just past the header or the last good record. */
uint64_t yf_cap_reader_good_end(const yf_cap_reader *r);
gboolean yf_cap_reader_complete(const yf_cap_reader *r);
uint64_t yf_cap_reader_skipped(const yf_cap_reader *r);

/* ---- recovery ---- */

typedef struct {
    char *name;               /* file name of the result (g_free) */
    uint64_t records_kept;    /* records before the cut, GAP/END not counted */
    uint64_t bytes_truncated; /* bytes cut after the last good record */
    int64_t last_arrival_us;  /* arrival time of the last kept record (0: none) */
    gboolean was_complete;    /* END was already there (crash before rename) */
    char *error;              /* yf_rec_recover_dir: why this file failed (g_free) */
} yf_cap_recovered;

/* Finishes `part_path` (a NAME.ycap.part): cuts it after its last record
 * whose CRC checks, appends GAP(server restart) and END unless END is there,
 * fdatasyncs, renames it to NAME.ycap (refused if that exists) and fsyncs the
 * directory. `now_us` is the wall clock stamped on GAP/END. A file whose
 * header cannot be read is renamed to NAME.ycap.damaged (nothing is deleted)
 * and FALSE is returned; so is any IO error (the .part stays). */
gboolean yf_cap_recover_file(const char *part_path, int64_t now_us, yf_cap_recovered *out, GError **err);
void yf_cap_recovered_clear(yf_cap_recovered *r);

/* fsync of a directory, so a create or rename in it is durable. */
gboolean yf_cap_sync_dir(const char *dir, GError **err);

#endif
