"""Answers from pose results: angles, repetitions, ergonomics, gait, falls, activity."""
