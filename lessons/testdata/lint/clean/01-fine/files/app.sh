#!/bin/bash
touch /tmp/app-ran
