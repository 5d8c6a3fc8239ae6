#ifndef CHARGEBRIDGE_CMOSQUITTO_SHIM_H
#define CHARGEBRIDGE_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
