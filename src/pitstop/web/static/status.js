// The public status page needs nothing beyond common.js (times, countdowns, live re-reads).
"use strict";
