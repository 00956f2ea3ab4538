using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>OTHER-ADDRESS (RFC 5780 section 7.4): the server's other IP address and port, where CHANGE-REQUEST answers come from; its presence says the server supports RFC 5780 behaviour discovery.</summary>
public static class OtherAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.OtherAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
