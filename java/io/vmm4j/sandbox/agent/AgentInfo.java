package io.vmm4j.sandbox.agent;

/** What the agent announced in its HELLO. */
public record AgentInfo(String agentVersion, int protocolVersion, int maxPayload, int initialWindow) {}
