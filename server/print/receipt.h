/* receipt.h -- the receipt (回执) of a 司法救助 disbursement: one A4 PDF page
 * with the case and decision numbers, the amount in figures and in Chinese
 * capitals (大写), the payee and the receiving account (masked), when the
 * applicant confirmed and where that lies in the recording, the participants,
 * and the SHA-256 of the hearing's recording, the identity still and the
 * decision document. Pure rendering with cairo and pango (library yf_print:
 * no store, no HTTP); pdftotext reads it back. */
#ifndef YF_RECEIPT_H
#define YF_RECEIPT_H

#include <glib.h>
#include <stdint.h>

typedef struct {
    const char *name;
    const char *role;           /* in Chinese, as the hearing names it */
} yf_receipt_person;

/* Borrowed for the call; optional strings may be NULL (the line says 无). */
typedef struct {
    const char *case_no;
    const char *decision_no;
    int64_t amount_fen;         /* > 0 */
    const char *payee, *bank;
    const char *account_masked;
    int64_t hearing_start_ms, hearing_end_ms;   /* Unix ms; printed in China Standard Time */
    int64_t confirmed_ms;       /* the applicant's confirmation; 0 = none */
    int64_t confirm_offset_ms;  /* its moment in the recording's file */
    int64_t issued_ms;          /* the receipt's date */
    const yf_receipt_person *people;
    size_t n_people;
    const char *recording_sha256;    /* 64 hex digits: the hearing's composite recording */
    const char *still_sha256;        /* 64 hex digits or NULL */
    const char *decision_sha256;     /* 64 hex digits or NULL */
    const char *issued_by;           /* the staff member's name */
} yf_receipt;

/* The receipt as PDF bytes (g_bytes_unref); NULL with *error when a required
 * field is missing or cairo fails. */
GBytes *yf_receipt_pdf(const yf_receipt *r, GError **error);

/* 1234567 fen as "12,345.67" (g_free). */
char *yf_print_amount_figures(int64_t fen);
/* 1234567 fen as 壹万贰仟叁佰肆拾伍元陆角柒分 (g_free): the capitals of
 * Chinese financial writing, 整 after a whole yuan or jiao amount. "" for
 * fen <= 0. */
char *yf_print_amount_caps(int64_t fen);

#endif
