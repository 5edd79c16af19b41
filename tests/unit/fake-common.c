/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared model and event log of the fakes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define MAX_EVENTS 512

static char *events[MAX_EVENTS];
static int n_events;

void fake_event(const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (n_events >= MAX_EVENTS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		events[n_events++] = s;
	va_end(ap);
}

int fake_n_events(void)
{
	return n_events;
}

const char *fake_event_at(int i)
{
	return i >= 0 && i < n_events ? events[i] : NULL;
}

int fake_event_find(const char *prefix, int from)
{
	for (int i = from < 0 ? 0 : from; i < n_events; i++)
		if (strncmp(events[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

int fake_event_count(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < n_events; i++)
		n += strncmp(events[i], prefix, strlen(prefix)) == 0;
	return n;
}

void fake_events_dump(void)
{
	for (int i = 0; i < n_events; i++)
		fprintf(stderr, "    event %d: %s\n", i, events[i]);
}

void fake_events_reset(void)
{
	for (int i = 0; i < n_events; i++)
		free(events[i]);
	n_events = 0;
}
