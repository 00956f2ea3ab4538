using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>The flags of CHANGE-REQUEST.</summary>
[Flags]
public enum StunChangeRequest : uint
{
    None = 0,
    /// <summary>"A": answer from the other IP address.</summary>
    ChangeIP = 0x4,
    /// <summary>"B": answer from the other port.</summary>
    ChangePort = 0x2,
}

/// <summary>
/// CHANGE-REQUEST (RFC 5780 section 7.2, same encoding as RFC 3489 section 11.2.4): a 32-bit value whose flags ask
/// the server to answer from its other IP address and/or port. Used by the filtering tests of RFC 5780 section 4.4.
/// </summary>
public static class ChangeRequestAttribute
{
    public const StunAttributeType Type = StunAttributeType.ChangeRequest;

    public static StunError Read(in StunMessageReader message, out StunChangeRequest flags)
    {
        flags = StunChangeRequest.None;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        flags = (StunChangeRequest)(BinaryPrimitives.ReadUInt32BigEndian(value) & 0x6);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, StunChangeRequest flags)
    {
        if (!writer.TryReserveAttribute(Type, 4, out var value)) return false;
        BinaryPrimitives.WriteUInt32BigEndian(value, (uint)flags);
        return true;
    }
}
