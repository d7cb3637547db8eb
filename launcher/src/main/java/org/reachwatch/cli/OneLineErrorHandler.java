package org.reachwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception escaping a command into one line on stderr naming the root cause, and exit
 * code 1, with configured secrets and URL user info masked. The stack trace is printed only with
 * {@code REACHWATCH_DEBUG=1}.
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
        // Secrets (passwords, JAAS lines, registry user info) never reach the terminal, whoever wrote the message.
        commandLine.getErr().println("reachwatch " + commandLine.getCommandName() + ": " + Secrets.scrub(message).replace('\n', ' '));
        if ("1".equals(System.getenv("REACHWATCH_DEBUG"))) {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            commandLine.getErr().print(Secrets.scrub(trace.toString()));
        }
        return 1;
    }
}
