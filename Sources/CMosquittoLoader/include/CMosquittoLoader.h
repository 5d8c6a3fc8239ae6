#ifndef CHARGEBRIDGE_CMOSQUITTOLOADER_H
#define CHARGEBRIDGE_CMOSQUITTOLOADER_H

/// libmosquitto through dlopen: this target defines the libmosquitto functions the MQTT client
/// calls (declared by <mosquitto.h>, which the CMosquitto module imports), each forwarding to
/// libmosquitto.so.1, opened on the first call. A process that never speaks MQTT (`chargebridge
/// plan`, `tariff`, `costs`) then never loads libmosquitto and its OpenSSL, whose relocations
/// cost a process about 2 ms at start-up. A process that cannot load it stops with one sentence.
/// Nothing to call here: linking this target is what matters.
void chargebridge_mosquitto_loader_linked(void);

#endif
