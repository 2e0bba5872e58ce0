/*
 * The supervisor's hourly report (relaywatch(8)): it sends SIGUSR1 to
 * the stages, and each says how it stands on its standard error when it
 * next looks.  askreport_start installs the handler (first thing, so that
 * a signal never kills a stage that is starting); askreport_asked says
 * whether a report was asked for since it last said yes.
 */
#ifndef RW_ASKREPORT_H
#define RW_ASKREPORT_H

/* Exits 71 (EX_OSERR) when the handler cannot be installed. */
void askreport_start(void);
int askreport_asked(void);

#endif
