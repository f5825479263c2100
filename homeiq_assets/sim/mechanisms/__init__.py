"""Event mechanisms of one home, each turning occupancy, darkness, weather and planted routines
into Home Assistant state changes: lighting and motion, access (doors, locks, garage), climate
(thermostat, the building's thermal model, humidity, fans) and appliances (media, metered
plugs, vacuum, energy); `context` is the state they share and `switching` the on/off interval
algebra of an actuator."""
