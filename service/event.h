/*
 * event.h - events as extracted, and their JSON and protobuf forms.
 *
 * struct event mirrors evextract.v1.Event (proto/event.proto) and the JSON
 * form of spec/EVENTS.md field for field. Events of one article live in the
 * extractor's arena: strings are arena copies, arrays are fixed-size (the
 * caps of limits.h), so building an event never calls malloc.
 */
#ifndef EVX_EVENT_H
#define EVX_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "dates.h"
#include "limits.h"

struct ev_entity {            /* a person, country, bloc or place */
	const char *name;      /* NULL when unset */
	const char *code;      /* country code, NULL or "" when unknown */
};

struct ev_mention {
	uint32_t start, end;   /* byte offsets into the original body */
	const char *text;      /* the body bytes of the span */
	const char *rule;      /* rule id */
	int revision;          /* rule revision */
};

struct ev_field {             /* a capture of a non-built-in field */
	const char *key;
	const char *val;
};

enum ev_weapon {
	EV_WEAPON_MISSILE = 1 << 0,
	EV_WEAPON_DRONE = 1 << 1,
	EV_WEAPON_ROCKET = 1 << 2,
	EV_WEAPON_ARTILLERY = 1 << 3,
	EV_WEAPON_BOMB = 1 << 4,
	EV_WEAPON_AIRSTRIKE = 1 << 5,
	EV_WEAPON_OTHER = 1 << 6,
};

struct event {
	char event_id[33];         /* 32 hex digits */
	const char *type;          /* "STRIKE", "SUMMIT", "SANCTIONS_PLEDGE" or a pack's own */
	const char *article_id;
	struct ev_mention mentions[EVX_MAX_MENTIONS_PER_EVENT];
	size_t nmentions;
	struct date_val date;
	struct ev_entity location;

	/* STRIKE */
	struct ev_entity attacker;
	unsigned weapons;          /* enum ev_weapon bits */
	long killed, injured;      /* -1 when not stated */

	/* SUMMIT */
	const char *name;
	struct ev_entity participants[EVX_MAX_LIST_VALUES];
	size_t nparticipants;
	struct ev_entity hosts[EVX_MAX_LIST_VALUES];
	size_t nhosts;
	long participant_count;    /* -1 when not stated */
	const char *format;        /* "in_person", "virtual", "hybrid" or NULL */
	const char *status;        /* "held", "scheduled", "proposed" or NULL */

	/* SANCTIONS_PLEDGE */
	struct ev_entity pledgers[EVX_MAX_LIST_VALUES];
	size_t npledgers;
	struct ev_entity target;
	const char *measure;
	const char *condition;
	const char *modality;      /* "pledge", "threat", "imposed", "call" or NULL */

	/* other captures */
	struct ev_field fields[EVX_MAX_LIST_VALUES];
	size_t nfields;

	/* provenance */
	const char *topic;         /* NULL offline */
	int32_t partition;         /* -1 offline */
	int64_t offset;            /* -1 offline */
	const char *rule_pack;
	const char *rule_pack_version;
};

/* Resets e to the empty event (counts -1, lists empty). */
void event_init(struct event *e);

/* Weapon name ("missile", ...) to its bit, 0 when unknown; and back. */
unsigned event_weapon_bit(const char *name);
const char *event_weapon_name(unsigned bit);

/* Appends the one-line JSON form of e (no trailing newline) to a growing
 * buffer: *buf of *cap bytes holding *len; grows with realloc. Returns 0 or
 * -1 (memory). */
int event_to_json(const struct event *e, char **buf, size_t *len, size_t *cap);

/* Appends the protobuf encoding of e (an evextract.v1.Event) to a growing
 * buffer as above, preceded by its length as a varint when delimited is
 * non-zero. Returns 0 or -1. */
int event_to_pb(const struct event *e, int delimited, char **buf, size_t *len,
		size_t *cap);

/* Converts one protobuf Event (msg, len bytes) to its JSON line, appended to
 * the growing buffer. Returns 0, or -1 when msg is not a valid Event. */
int event_pb_to_json(const uint8_t *msg, size_t len, char **buf, size_t *blen,
		     size_t *cap);

/* Fills vals with the string values of field key of e, for comparing fields
 * by name (the evaluator, `rules test`): "attacker", "location", "target"
 * give the entity's name; "name", "format", "status", "measure",
 * "condition", "modality" the string; "weapons" the weapon names in bit
 * order; "killed", "injured", "participant_count" the decimal number;
 * "date" the formatted date; "participants", "hosts", "pledgers" the names.
 * Singular aliases: weapon, participant, host, pledger, and count for
 * participant_count; also "type" and "article_id". Unset values (NULL or
 * empty strings, counts below zero, DATES_NONE) give nothing. Any other key,
 * and a known key that gives nothing (a pack's own type carries its captures
 * in fields[]), looks in fields[]: every value with that key. Returns the
 * number of values, at most max. buf (bufsize >= 24) is scratch space for a
 * number or a date; the values point into e or buf, so they live as long as
 * both do. */
size_t event_field_values(const struct event *e, const char *key,
			  const char **vals, size_t max, char *buf,
			  size_t bufsize);

#endif
