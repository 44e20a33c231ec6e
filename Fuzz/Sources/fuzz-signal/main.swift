// libFuzzer runs the target (see FuzzSupport/FuzzDriver.swift).
import FuzzSupport

FuzzDriver.run { data, size in fuzz(data ?? FuzzDriver.noBytes, size) }
