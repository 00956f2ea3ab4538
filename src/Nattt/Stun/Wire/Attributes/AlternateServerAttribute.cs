using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>ALTERNATE-SERVER (RFC 8489 section 14.15): the server a 300 (Try Alternate) points the client to.</summary>
public static class AlternateServerAttribute
{
    public const StunAttributeType Type = StunAttributeType.AlternateServer;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
