#!/bin/bash
echo "hello from $1"
