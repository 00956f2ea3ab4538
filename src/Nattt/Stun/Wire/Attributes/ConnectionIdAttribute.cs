namespace Nattt.Stun.Wire;

/// <summary>CONNECTION-ID (RFC 6062 section 6.2.1): a 32-bit ID naming a TCP peer connection of a TCP allocation.</summary>
public static class ConnectionIdAttribute
{
    public const StunAttributeType Type = StunAttributeType.ConnectionId;

    public static StunError Read(in StunMessageReader message, out uint connectionId) => StunUInt32.Read(message, Type, out connectionId);

    public static bool TryWrite(ref StunMessageWriter writer, uint connectionId) => StunUInt32.TryWrite(ref writer, Type, connectionId);
}
