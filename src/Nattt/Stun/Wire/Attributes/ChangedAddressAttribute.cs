using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>CHANGED-ADDRESS (RFC 3489 section 11.2.3): the classic form of OTHER-ADDRESS: where a change request would be answered from; RFC 3489 clients need it.</summary>
public static class ChangedAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.ChangedAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
