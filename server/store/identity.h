/* identity.h -- a petitioner's identity data as pure functions: the form of a
 * resident identity card number (GB 11643-1999: 17 digits and a check
 * character by ISO 7064 MOD 11-2) and the masked forms that listings show (a
 * contact kept to its first 3 and last 4 characters, 138****5678; an ID number
 * to its first 6 and last 4). No clock, no SQL, no I/O; any thread. */
#ifndef YF_IDENTITY_H
#define YF_IDENTITY_H

#include <glib.h>

#define YF_ID_NUMBER_LEN 18

/* NULL when s is a valid ID number: 18 characters, 17 ASCII digits and a
 * digit or X (x counts as X) that matches the MOD 11-2 check of the first
 * 17. Otherwise a static English phrase saying what is wrong ("must be 18
 * characters"), for the caller to put after the field's name. */
const char *yf_identity_id_number_problem(const char *s);
/* The check character ('0'..'9' or 'X') of 17 ASCII digits. */
char yf_identity_id_number_check_char(const char digits17[17]);
/* s (a valid ID number) with a lowercase x made X (g_free). */
char *yf_identity_id_number_normalize(const char *s);

/* s (UTF-8) with every character but the first head and the last tail
 * replaced by '*', one '*' per character hidden, so the length shows; a
 * string of head + tail characters or fewer is all '*'. "" stays "". g_free. */
char *yf_identity_mask(const char *s, int head, int tail);
/* The contact as lists show it: first 3 and last 4 characters kept. */
char *yf_identity_mask_contact(const char *s);
/* The ID number as lists show it: first 6 and last 4 characters kept. */
char *yf_identity_mask_id_number(const char *s);

#endif
