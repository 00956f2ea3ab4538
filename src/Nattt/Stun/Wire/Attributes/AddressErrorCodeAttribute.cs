using System.Text;

namespace Nattt.Stun.Wire;

/// <summary>ADDRESS-ERROR-CODE (RFC 8656 section 18.12): why one family of a dual allocation failed: the family in
/// the first byte, then class and number as in ERROR-CODE, then a reason phrase.</summary>
public static class AddressErrorCodeAttribute
{
    public const StunAttributeType Type = StunAttributeType.AddressErrorCode;

    public static StunError Read(in StunMessageReader message, out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reason)
    {
        family = default;
        code = 0;
        reason = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length < 4) return StunError.AttributeLengthInvalid;
        if (value[0] is not ((byte)StunAddressFamily.IPv4 or (byte)StunAddressFamily.IPv6)) return StunError.AddressFamilyUnknown;
        family = (StunAddressFamily)value[0];
        return ErrorCodeAttribute.Read(value, out code, out reason);
    }

    public static bool TryWrite(ref StunMessageWriter writer, StunAddressFamily family, int code, ReadOnlySpan<char> reason)
    {
        if (code is < 300 or > 699) throw new ArgumentOutOfRangeException(nameof(code), "Error codes are 300..699.");
        int reasonLength = Encoding.UTF8.GetByteCount(reason);
        if (reasonLength > ErrorCodeAttribute.MaxReasonBytes) throw new ArgumentException("Reason too long.", nameof(reason));
        if (!writer.TryReserveAttribute(Type, 4 + reasonLength, out var value)) return false;
        ErrorCodeAttribute.WriteCode(value, code);
        value[0] = (byte)family;
        Encoding.UTF8.GetBytes(reason, value[4..]);
        return true;
    }
}
