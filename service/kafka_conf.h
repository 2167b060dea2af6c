/*
 * kafka_conf.h - the kafka.* pass-through settings, given to the clients
 * they apply to.
 *
 * `evextract run` takes any librdkafka property as a kafka.* key and hands
 * it to its clients (the consumer, the producer and the start-up probe, a
 * producer). librdkafka warns at start when a client gets a property of
 * the other kind ("session.timeout.ms is a consumer property and will be
 * ignored by this producer instance"), so each client only gets the keys
 * that librdkafka's own property table (rd_kafka_conf_properties_show: the
 * C/P column, for the library actually linked) gives to its kind or to
 * both. Keys the table does not know go to every client, which rejects
 * them with librdkafka's error. A key kept from a client is still checked
 * (on a scratch configuration), so a bad value is reported by whichever
 * client is built first.
 */
#ifndef EVX_KAFKA_CONF_H
#define EVX_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "config.h"

/* Client kinds, as librdkafka's table spells them. */
enum kafka_role {
	KAFKA_CONSUMER = 'C',
	KAFKA_PRODUCER = 'P',
};

/* librdkafka's scope of property key: 'C' (consumer only), 'P' (producer
 * only), '*' (both), or 0 when the table does not list it (or on memory). */
int kafka_conf_scope(const char *key);

/* Applies the kafka.* settings of cfg that concern a client of kind role to
 * conf. Returns 0, or -1 with errstr naming the rejected key. */
int kafka_conf_apply(rd_kafka_conf_t *conf, const struct config *cfg,
		     enum kafka_role role, char *errstr, size_t errstr_size);

#endif
