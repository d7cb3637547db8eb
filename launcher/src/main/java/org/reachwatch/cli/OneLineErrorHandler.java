package org.reachwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception escaping a command into one line on stderr naming the root cause, and exit
 * code 1. The stack trace is printed only with {@code REACHWATCH_DEBUG=1}.
 */
final class OneLineErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() != null ? e.getMessage() : root.toString();
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + ": " + root.getMessage();
        }
        commandLine.getErr().println("reachwatch " + commandLine.getCommandName() + ": " + message);
        if ("1".equals(System.getenv("REACHWATCH_DEBUG"))) {
            e.printStackTrace(commandLine.getErr());
        }
        return 1;
    }
}
